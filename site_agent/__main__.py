"""``python -m site_agent [--config FILE] [--dry-run]``: one run of the site agent (see site_agent/agent.py)."""

import sys

from site_agent.agent import main

sys.exit(main())
