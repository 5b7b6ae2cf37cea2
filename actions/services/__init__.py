"""Patient services (docs/services.md): no dead ends, honest replies for what is not online yet,
complaints and suggestions, and where to go (the care directory).

Named under `plugins:`. Its services are built when the runtime starts, so a way in that leads
nowhere, or a bad care-directory file, stops `serve` with one line naming the file and line.
"""
from __future__ import annotations

from dataclasses import dataclass

from actions.services import care, feedback, offers  # noqa: F401 (registers the actions)
from actions.services.care import CareClock, care_clock
from actions.services.directory import CareDirectory, load_directory
from actions.services.entry_points import EntryPoint, check_entry_points, trained_intents, wechat_entry_points
from actions.services.offers import hospital_offers
from bot.config import Config
from bot.flow_loader import FlowSet
from bot.plugins import Plugin
from nlu.interpreter import DEFAULT_DATA


@dataclass(frozen=True)
class EntryPoints:
    """Every way in (menu keys, scenes, trained intents), each checked to lead to a flow."""

    points: tuple[EntryPoint, ...]


def checked_entry_points(config: Config, flows: FlowSet) -> EntryPoints:
    points = (*wechat_entry_points(config), *trained_intents(DEFAULT_DATA))
    check_entry_points(points, flows)
    return EntryPoints(points)


def care_directory(config: Config) -> CareDirectory:
    return load_directory(config.resolve(str(config.get("services.care_dir") or "content/care")))


plugin = Plugin(name="services", services=[checked_entry_points, care_directory, care_clock, hospital_offers])
__all__ = ["CareClock", "EntryPoints", "plugin"]
