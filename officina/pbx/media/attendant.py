"""The auto-attendant's menus as the PBX answers them: read with their greetings and
prompts every few seconds in a worker thread (``officina.attendant.selectors``), so a
call never waits on the database or a file; a menu changed on the web page answers
within ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from officina.attendant.prompts import PROMPTS, prompt_path
from officina.attendant.selectors import MenuPlan, menu_plans
from officina.pbx.media.g711 import Samples
from officina.voicemail.sound import read_telephone_wav

logger = logging.getLogger("officina.pbx.media")

REFRESH_SECONDS = 5.0
LANGUAGES = ("it", "en")
_SILENCE = np.zeros(1600, dtype=np.int16)


class Menus:
    def __init__(self) -> None:
        self.plans: dict[str, MenuPlan] = {}
        self.sounds: dict[Path, Samples] = {}
        self.prompts: dict[tuple[str, str], Samples] = {}

    def load(self) -> None:
        """Read the menus, their greetings and the prompts (synchronous: a worker thread)."""
        plans = menu_plans()
        sounds: dict[Path, Samples] = {}
        for plan in plans.values():
            if plan.greeting is None:
                continue
            sound = self.sounds.get(plan.greeting)
            if sound is None:
                # A greeting's file name changes with each new greeting: a path once read
                # is that sound for good.
                sound = _load(plan.greeting)
            if sound is not None:
                sounds[plan.greeting] = sound
        if plans and not self.prompts:
            prompts = {}
            for name in PROMPTS:
                for language in LANGUAGES:
                    sound = _load(prompt_path(name, language))
                    prompts[(name, language)] = _SILENCE if sound is None else sound
            self.prompts = prompts
        self.plans, self.sounds = plans, sounds

    async def run_refresh(self, every: float = REFRESH_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(None, self.load)
            except Exception:
                logger.exception("could not read the auto-attendant menus; keeping the last copy")
            await asyncio.sleep(every)

    def answering(self, number: str, wall: float) -> MenuPlan | None:
        """The menu that answers a call to ``number`` at ``wall``: the menu itself, or, out
        of its owner's hours (a company's or a space's), the menu it names for then (one
        hop, to a menu of the same owner)."""
        plan = self.plans.get(number)
        if plan is None or plan.schedule is None:
            return plan
        if plan.schedule.is_open(datetime.fromtimestamp(wall, UTC)):
            return plan
        other = self.plans.get(plan.out_of_hours_number)
        same_owner = other is not None and (other.company_id, other.space_id) == (
            plan.company_id,
            plan.space_id,
        )
        return other if other is not None and same_owner else plan

    def submenu(self, number: str) -> MenuPlan | None:
        return self.plans.get(number)

    def sound(self, plan: MenuPlan) -> Samples:
        if plan.greeting is None:
            return _SILENCE
        return self.sounds.get(plan.greeting, _SILENCE)

    def prompt(self, name: str, language: str) -> Samples:
        return self.prompts.get((name, language), _SILENCE)


def _load(path: Path) -> Samples | None:
    try:
        return read_telephone_wav(path.read_bytes())
    except (OSError, ValueError, EOFError) as error:
        logger.warning("auto-attendant sound %s not readable: %s", path, error)
        return None
