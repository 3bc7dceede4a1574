# Fixtures in the style of the Wazo collection's model tests (plugins/wazo_yealink/v86/tests/):
# the family's common code is imported as plugins.<family> and entry.py is exec'd with an
# execfile_ that hands it those classes, as provd's execfile_ would.
#
# The family folder is xivo-cisco-spa: Python names cannot hold '-', so @provd/nx's test target
# makes it importable as plugins.xivo_cisco_spa (the Wazo collection names its folders that way:
# plugins.wazo_yealink).
import os
from types import ModuleType

import pytest

from plugins.xivo_cisco_spa.common import common

MODEL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def entry():
    def execfile_(filename, common_globals):
        assert filename == 'common.py'
        common_globals.update(vars(common))

    module = ModuleType('entry')
    module.execfile_ = execfile_
    with open(os.path.join(MODEL_DIR, 'entry.py')) as f:
        exec(compile(f.read(), 'entry.py', 'exec'), module.__dict__)
    return module
