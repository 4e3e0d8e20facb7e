"""The data contract's edge: reading data folders, writing and reading output folders."""

from allocator.io.data_folder import write_data
from allocator.io.errors import InputError, InputProblem, OutputError, describe_problems
from allocator.io.outputs import read_outputs, summary, write_outputs
from allocator.io.read import read_data
from allocator.io.write import (
    DATA_FILES,
    DATA_LAYOUT,
    INPUT_FOLDER,
    MARKER,
    OUTPUT_FILES,
    OUTPUT_LAYOUT,
    REPORT_FILES,
    Layout,
    atomic_folder,
    check_output_folder,
    write_csv,
    write_json,
)

__all__ = [
    "DATA_FILES",
    "DATA_LAYOUT",
    "INPUT_FOLDER",
    "MARKER",
    "OUTPUT_FILES",
    "OUTPUT_LAYOUT",
    "REPORT_FILES",
    "InputError",
    "InputProblem",
    "Layout",
    "OutputError",
    "atomic_folder",
    "check_output_folder",
    "describe_problems",
    "read_data",
    "read_outputs",
    "summary",
    "write_csv",
    "write_data",
    "write_json",
    "write_outputs",
]
