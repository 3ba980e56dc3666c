"""Signing citizens in with VNeID, the national electronic identity (OpenID Connect, Authlib).

The flow is the authorization code with PKCE (S256), ``state`` and ``nonce`` (Authlib keeps
the verifier, state and nonce in the signed session cookie until the provider comes back).
The ID token is checked here, not trusted: its RS256 signature against the provider's JWKS
(fetched from the ``jwks_uri`` of the discovery document; fetched again once when the key id
is unknown, i.e. after the provider rotated its keys), ``iss`` = the discovered issuer,
``aud`` = our client id, ``exp`` (Authlib's two minutes of clock leeway) and ``nonce``.
Only RS256 is accepted, whatever the discovery document offers.

Settings (config.py): ``VNEID_ISSUER`` (the discovery document is
``<issuer>/.well-known/openid-configuration``), ``VNEID_CLIENT_ID``, ``VNEID_CLIENT_SECRET``,
``VNEID_SCOPES``, ``VNEID_ID_CLAIM`` (the claim carrying the citizen's ID number),
``VNEID_NAME_CLAIM``, ``VNEID_TIMEOUT``. While the issuer or the client id is empty the
sign-in is off: no button, and the routes answer 404.
"""
from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger(__name__)

#: only this signature algorithm is accepted for an ID token
ALGORITHMS = ["RS256"]


class VneidError(Exception):
    """The sign-in failed; ``reason`` says why in one word (the message is the view's):
    unavailable, denied, state, signature, expired, audience, issuer, nonce, claims."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


def enabled(app=None) -> bool:
    cfg = (app or current_app).config
    return bool(cfg.get("VNEID_ISSUER") and cfg.get("VNEID_CLIENT_ID"))


def _client():
    """The app's Authlib client, registered on first use with the settings of the moment
    (rebuilt when they change: the tests start a provider per module)."""
    from authlib.integrations.flask_client import OAuth
    app = current_app._get_current_object()
    cfg = app.config
    settings = (cfg["VNEID_ISSUER"].rstrip("/"), cfg["VNEID_CLIENT_ID"], cfg.get("VNEID_CLIENT_SECRET") or "",
                cfg.get("VNEID_SCOPES") or "openid", float(cfg.get("VNEID_TIMEOUT") or 10))
    cached = app.extensions.get("petitions_vneid")
    if cached and cached[0] == settings:
        return cached[1]
    issuer, client_id, secret, scopes, timeout = settings
    oauth = OAuth()
    oauth.init_app(app)
    client = oauth.register(
        "vneid", client_id=client_id, client_secret=secret or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "default_timeout": timeout,
                       "token_endpoint_auth_method": "client_secret_post" if secret else "none"},
    )
    app.extensions["petitions_vneid"] = (settings, client)
    return client


def _metadata(client) -> dict:
    """The discovery document (cached by Authlib once read), RS256 alone allowed."""
    import requests
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        log.warning("VNeID discovery failed: %s", error)
        raise VneidError("unavailable", str(error)) from error
    metadata["id_token_signing_alg_values_supported"] = ALGORITHMS
    return metadata


def authorize_redirect(redirect_uri: str):
    """The redirect to the provider's authorization endpoint (state, nonce and the PKCE
    verifier kept in the session)."""
    client = _client()
    _metadata(client)
    return client.authorize_redirect(redirect_uri)


def complete_sign_in() -> tuple[dict, str]:
    """On the provider's return: the code exchanged (with the PKCE verifier) and the ID
    token verified. Returns (claims, the raw ID token); raises :class:`VneidError`."""
    import requests
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
    from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError

    client = _client()
    metadata = _metadata(client)
    # the audience and the issuer checked against ours (Authlib alone checks ``aud`` only
    # through ``azp``: a token for another service carrying our id as azp would pass)
    options = {"iss": {"essential": True, "values": [metadata.get("issuer")]},
               "aud": {"essential": True, "values": [client.client_id]}}
    try:
        token = client.authorize_access_token(claims_options=options)
    except MismatchingStateError as error:
        raise VneidError("state") from error
    except OAuthError as error:
        raise VneidError("denied", f"{error.error}: {error.description}") from error
    except requests.RequestException as error:
        log.warning("VNeID token endpoint failed: %s", error)
        raise VneidError("unavailable", str(error)) from error
    except BadSignatureError as error:
        raise VneidError("signature") from error
    except ExpiredTokenError as error:
        raise VneidError("expired") from error
    except InvalidClaimError as error:
        claim = getattr(error, "claim", "") or ""
        reason = {"aud": "audience", "iss": "issuer", "nonce": "nonce", "exp": "expired"}.get(claim, "claims")
        raise VneidError(reason, str(error)) from error
    except (JoseError, ValueError) as error:  # a missing claim, a token that is not a JWT, ...
        raise VneidError("claims", str(error)) from error
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise VneidError("claims", "no ID token")
    return dict(claims), token["id_token"]


def identity(claims: dict) -> tuple[str, str | None]:
    """(ID number, name) from the verified claims, by the configured claim names."""
    from .crypto import normalise_id
    cfg = current_app.config
    number = normalise_id(str(claims.get(cfg["VNEID_ID_CLAIM"]) or ""))
    if len(number) not in (9, 12):  # a citizen identity card (12) or an older ID card (9)
        raise VneidError("claims", f"no ID number in claim {cfg['VNEID_ID_CLAIM']!r}")
    name = str(claims.get(cfg["VNEID_NAME_CLAIM"]) or "").strip() or None
    return number, name


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's end_session_endpoint with the ID token as hint (RP-initiated logout),
    or None when the provider is unreachable or has no such endpoint."""
    if not enabled():
        return None
    client = _client()
    try:
        metadata = _metadata(client)
    except VneidError:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                    id_token_hint=id_token, client_id=client.client_id)["url"]


def logout_origins() -> list[str]:
    """The origins the sign-out may be redirected to: the issuer's, and the end-session
    endpoint's when the discovery document (already read) puts it elsewhere."""
    from urllib.parse import urlsplit
    urls = [current_app.config["VNEID_ISSUER"]]
    cached = current_app.extensions.get("petitions_vneid")
    if cached:
        urls.append(cached[1].server_metadata.get("end_session_endpoint") or "")
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc and f"{parts.scheme}://{parts.netloc}" not in origins:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins
