"""``make bench`` (issue 7): the application under gunicorn on PostgreSQL against bare
references measured in the same run on the same database. Run ``scripts/bench.sh``."""
