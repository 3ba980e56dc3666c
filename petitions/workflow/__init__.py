"""The workflow rules: case kinds, statuses, events, transitions and legal deadlines.

Pure Python (standard library and the ``holidays`` package only): no Flask and no
SQLAlchemy, so the rules can be read beside the law and tested alone.
"""
