import sys
from pathlib import Path

import openai

# Test helpers (spec_examples, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# tests/sdk2 runs inside the openai 2.x environment (scripts/openai2-env), driven by
# test_official_sdk_v2.py; the main environment has openai 3.x.
collect_ignore_glob = ["sdk2/*"] if int(openai.__version__.split(".")[0]) >= 3 else []
