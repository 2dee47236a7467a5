"""Learner-facing paths never pay for torch."""

import subprocess
import sys


def test_engine_modules_import_without_torch():
    code = (
        "import sys\n"
        "import autograder.cli, autograder.plugin, autograder.runner, autograder.testing\n"
        "import autograder.release, autograder.verify, autograder.baking\n"
        "assert 'torch' not in sys.modules, 'torch imported at module level'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
