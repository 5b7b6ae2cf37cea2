"""Chinese medical NLU: text in, intent and entities out (CONTRACTS.md §3)."""
from nlu.result import Entity, Intent, ParseResult
from nlu.interpreter import Interpreter, MedicalInterpreter, load_interpreter, train

__all__ = ["Entity", "Intent", "Interpreter", "MedicalInterpreter", "ParseResult", "load_interpreter", "train"]
