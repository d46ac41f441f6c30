"""The SalesLens CDK app: stacks in ``infra.stacks``, constructs in ``infra.constructs``.

The app reads the same ``saleslens`` config and component registry as the offline runtime. When
the package is not installed (a plain checkout), ``src/`` is put on the path so that
``python -m infra.app`` works from the project root.
"""
from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

_SRC = PROJECT_ROOT / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))
