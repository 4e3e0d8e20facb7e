"""From validated input to the prepared instance the engine's parts share."""

from allocator.prepare.instance import ChildInfo, Instance, WorkerInfo, waiting
from allocator.prepare.steps import prepare
from allocator.prepare.weights import effective_weights, holders

__all__ = [
    "ChildInfo",
    "Instance",
    "WorkerInfo",
    "effective_weights",
    "holders",
    "prepare",
    "waiting",
]
