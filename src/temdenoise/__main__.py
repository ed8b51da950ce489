"""``python -m temdenoise`` is the ``temdenoise`` command."""

from temdenoise.cli import main

raise SystemExit(main())
