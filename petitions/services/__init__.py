"""Verb-named operations that views, the API, commands and jobs call.

They flush, never commit: the caller commits once, at the request boundary.
"""
