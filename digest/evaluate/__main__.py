from digest.evaluate.cli import main

raise SystemExit(main())
