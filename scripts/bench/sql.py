"""The hand-written references: what one SQL statement does for the same result."""

# the running time limits due soon or past due, with the case columns the sweep reads
# (services/alerts.py: _running_batch, all batches at once)
SWEEP_SELECT = """
SELECT d.id, d.due_on, d.step, c.id AS case_id, c.kind, c.is_mass, c.agency_id, c.handler_id,
       c.parent_id, c.link_type, c.tracking_code, c.title
FROM deadlines d JOIN cases c ON c.id = d.case_id
WHERE d.completed_on IS NULL AND d.paused_on IS NULL AND d.step NOT IN ('complaint2-filing')
  AND d.due_on <= :soon_until
ORDER BY d.due_on, d.id
"""

# the same alerts written set-based
SWEEP_INSERT = """
INSERT INTO alerts (case_id, deadline_id, step, due_on, level, created_at)
SELECT d.case_id, d.id, d.step, d.due_on,
       CASE WHEN d.due_on <= :long_before THEN 'long_overdue' WHEN d.due_on < :today THEN 'overdue'
            WHEN d.due_on = :today THEN 'due_today' ELSE 'due_soon' END, now()
FROM deadlines d
WHERE d.completed_on IS NULL AND d.paused_on IS NULL AND d.step NOT IN ('complaint2-filing')
  AND d.due_on <= :soon_until
ON CONFLICT DO NOTHING
"""

# who the application told, per shape of alerted case (made from the application's own first
# sweep, so that the reference writes the same notifications): the ladder decided by the
# application, the writing left to SQL
RECIPIENTS_TABLE = """
CREATE TABLE bench_recipients AS
SELECT DISTINCT a.level, c.agency_id, COALESCE(c.handler_id, 0) AS handler_id, c.kind, c.is_mass,
       COALESCE(p.agency_id, 0) AS fwd_agency, n.user_id, n.data->>'why' AS why, n.status, n.email
FROM notifications n JOIN alerts a ON a.id = n.alert_id JOIN cases c ON c.id = a.case_id
LEFT JOIN cases p ON p.id = c.parent_id AND c.link_type = 'forwarded_from'
"""

# the same alerts AND notifications written set-based, in one statement
SWEEP_INSERT_ALL = """
WITH a AS (
""" + SWEEP_INSERT.strip() + """
  RETURNING id, case_id, step, due_on, level
)
INSERT INTO notifications (alert_id, case_id, user_id, email, channel, idempotency_key, kind, subject, body, status,
                           attempts, data, created_at)
SELECT a.id, a.case_id, r.user_id, r.email, 'email', 'alert:' || a.id || ':' || r.user_id, a.level,
       '[' || a.level || '] ' || c.tracking_code || ': ' || a.step || ' — ' || to_char(a.due_on, 'DD/MM/YYYY'), '',
       r.status, 0, json_build_object('why', r.why, 'due_on', a.due_on, 'step', a.step, 'days', 0), now()
FROM a JOIN cases c ON c.id = a.case_id
LEFT JOIN cases p ON p.id = c.parent_id AND c.link_type = 'forwarded_from'
JOIN bench_recipients r ON r.level = a.level AND r.agency_id = c.agency_id AND r.handler_id = COALESCE(c.handler_id, 0)
     AND r.kind = c.kind AND r.is_mass = c.is_mass AND r.fwd_agency = COALESCE(p.agency_id, 0)
ON CONFLICT DO NOTHING
"""

_NOT_A_COPY = """(c.link_type IS NULL OR c.link_type NOT IN ('forwarded_from', 'split_from')
       OR NOT EXISTS (SELECT 1 FROM cases p WHERE p.id = c.parent_id))"""

# target 4, letters: every figure in one pass over the handling limits (services/reports.py)
LETTERS = f"""
WITH l AS (
  SELECT c.agency_id, c.received_on, d.due_on, d.completed_on,
         (d.completed_on IS NOT NULL AND d.completed_on <= :as_of) AS done
  FROM deadlines d JOIN cases c ON c.id = d.case_id
  WHERE d.step = 'letter-handling' AND c.kind IN ('complaint', 'denunciation') AND {_NOT_A_COPY}
    AND (c.received_on BETWEEN :start AND :end
         OR (c.received_on < :start AND (d.completed_on IS NULL OR d.completed_on >= :start)))
)
SELECT {{group}}
  count(*) AS letters_total,
  count(*) FILTER (WHERE received_on >= :start) AS letters_received,
  count(*) FILTER (WHERE received_on < :start) AS letters_carried_over,
  count(*) FILTER (WHERE done AND completed_on <= due_on) AS letters_on_time,
  count(*) FILTER (WHERE done AND completed_on > due_on) AS letters_late,
  count(*) FILTER (WHERE NOT done AND due_on < :as_of) AS letters_open_overdue,
  count(*) FILTER (WHERE NOT done AND due_on >= :as_of) AS letters_open
FROM l {{group_by}}
"""

# target 4, cases within competence: the resolving event looked up once per case
CASES = """
WITH k AS (
  SELECT c.agency_id, c.outcome, d.started_on, d.due_on, d.completed_on, d.paused_on,
         (d.completed_on IS NOT NULL AND d.completed_on <= :as_of) AS ended,
         EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.event IN ('decide', 'conclude', 'answer')
                 AND e.acted_on = d.completed_on) AS resolving
  FROM deadlines d JOIN cases c ON c.id = d.case_id
  WHERE d.step IN ('complaint-resolution', 'complaint2-resolution', 'denunciation-resolution')
    AND c.kind IN ('complaint', 'denunciation')
    AND d.started_on <= :end AND (d.completed_on IS NULL OR d.completed_on >= :start)
)
SELECT {group}
  count(*) AS cases_total,
  count(*) FILTER (WHERE started_on < :start) AS cases_carried_over,
  count(*) FILTER (WHERE started_on >= :start) AS cases_new,
  count(*) FILTER (WHERE ended AND resolving) AS cases_resolved,
  count(*) FILTER (WHERE ended AND resolving AND completed_on <= due_on) AS cases_resolved_on_time,
  count(*) FILTER (WHERE ended AND resolving AND completed_on > due_on) AS cases_resolved_late,
  count(*) FILTER (WHERE ended AND NOT resolving) AS cases_withdrawn,
  count(*) FILTER (WHERE NOT ended) AS cases_open,
  count(*) FILTER (WHERE NOT ended AND paused_on IS NULL AND due_on < :as_of) AS cases_open_overdue,
  count(*) FILTER (WHERE ended AND resolving AND outcome IN ('annul', 'correct')) AS verdict_correct,
  count(*) FILTER (WHERE ended AND resolving AND outcome IN ('amend', 'partly_correct')) AS verdict_partly_correct,
  count(*) FILTER (WHERE ended AND resolving AND outcome IN ('uphold', 'wrong')) AS verdict_wrong
FROM k {group_by}
"""


def grouped(template: str, by_agency: bool) -> str:
    if by_agency:
        return template.format(group="agency_id,", group_by="GROUP BY agency_id")
    return template.format(group="", group_by="")


# the report's floor: the same cases' dates in ONE flat table (one row a case: its letter
# handling and its resolution limit), no join, no event look-up
FLAT_TABLE = """
CREATE TABLE bench_flat AS
SELECT c.id, c.agency_id, c.kind, c.received_on, h.due_on AS h_due, h.completed_on AS h_done,
       r.started_on AS r_started, r.due_on AS r_due, r.completed_on AS r_done
FROM cases c
LEFT JOIN deadlines h ON h.case_id = c.id AND h.step = 'letter-handling'
LEFT JOIN deadlines r ON r.case_id = c.id
     AND r.step IN ('complaint-resolution', 'complaint2-resolution', 'denunciation-resolution')
WHERE c.kind IN ('complaint', 'denunciation')
"""

FLAT = """
SELECT {group}
  count(*) FILTER (WHERE received_on BETWEEN :start AND :end) AS letters_received,
  count(*) FILTER (WHERE received_on < :start AND (h_done IS NULL OR h_done >= :start)) AS letters_carried_over,
  count(*) FILTER (WHERE h_done BETWEEN :start AND :as_of AND h_done <= h_due) AS letters_on_time,
  count(*) FILTER (WHERE h_done BETWEEN :start AND :as_of AND h_done > h_due) AS letters_late,
  count(*) FILTER (WHERE received_on <= :as_of AND (h_done IS NULL OR h_done > :as_of) AND h_due < :as_of)
    AS letters_open_overdue,
  count(*) FILTER (WHERE received_on <= :as_of AND (h_done IS NULL OR h_done > :as_of) AND h_due >= :as_of)
    AS letters_open,
  count(*) FILTER (WHERE r_started <= :end AND (r_done IS NULL OR r_done >= :start)) AS cases_total,
  count(*) FILTER (WHERE r_started < :start AND (r_done IS NULL OR r_done >= :start)) AS cases_carried_over,
  count(*) FILTER (WHERE r_started BETWEEN :start AND :end) AS cases_new,
  count(*) FILTER (WHERE r_done BETWEEN :start AND :as_of) AS cases_ended,
  count(*) FILTER (WHERE r_done BETWEEN :start AND :as_of AND r_done <= r_due) AS cases_ended_on_time,
  count(*) FILTER (WHERE r_started <= :end AND (r_done IS NULL OR r_done > :as_of)) AS cases_open,
  count(*) FILTER (WHERE r_started <= :end AND (r_done IS NULL OR r_done > :as_of) AND r_due < :as_of)
    AS cases_open_overdue
FROM bench_flat {group_by}
"""
