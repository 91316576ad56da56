"""mock 学習アプリ: a real LTI 1.3 Tool (Core launch, Deep Linking, NRPS/AGS client).

It is both the reference Tool a platform under test (a 学習eポータル) is checked against and an
example for tool vendors. ``create_app(ToolConfig(...))`` gives an ASGI app; ``python -m
renkei.mocks.app --help`` runs it with uvicorn. Page markers are documented in ``renkei.mocks.app.pages``,
rejection codes in ``renkei.mocks.app.validation.REJECTIONS``, red-run faults in ``renkei.mocks.app.config.FAULTS``.
"""

from renkei.mocks.app.app import ToolState, create_app
from renkei.mocks.app.config import FAULTS, ToolConfig
from renkei.mocks.app.validation import REJECTIONS, LaunchRejected

__all__ = ["FAULTS", "REJECTIONS", "LaunchRejected", "ToolConfig", "ToolState", "create_app"]
