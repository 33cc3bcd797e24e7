import sys
from pathlib import Path

# Test helpers (spec_examples, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
