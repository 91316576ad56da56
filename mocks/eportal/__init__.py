"""Mock 学習eポータル: an LTI 1.3 Platform (Core, Deep Linking 2.0, NRPS 2.0, AGS 2.0) over a
OneRoster CSV roster, usable in-process (httpx ASGI transport) or on a port (``python -m renkei.mocks.eportal``)."""

from renkei.mocks.eportal.app import create_app
from renkei.mocks.eportal.config import FAULTS, EportalConfig, ToolRegistration
from renkei.mocks.eportal.roster import Roster, RosterError, load_bundle

__all__ = ["FAULTS", "EportalConfig", "Roster", "RosterError", "ToolRegistration", "create_app", "load_bundle"]
