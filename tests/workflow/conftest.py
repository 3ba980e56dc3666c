"""Workflow tests need no app: only the repository root on ``sys.path``.

(Unneeded once the project is installed, e.g. ``pip install -e .``, or pytest is
given ``pythonpath = .``; harmless then.)
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
