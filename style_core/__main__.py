import sys

from style_core.cli import main

sys.exit(main())
