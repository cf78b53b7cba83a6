from siyada.cli import main

raise SystemExit(main())
