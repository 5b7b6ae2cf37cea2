"""Chinese medical NLU: text in, intent and entities out (CONTRACTS.md §3)."""
from nlu.result import Entity, Intent, ParseResult
from nlu.interpreter import Interpreter, load_interpreter

__all__ = ["Entity", "Intent", "Interpreter", "ParseResult", "load_interpreter"]
