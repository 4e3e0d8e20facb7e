"""Reading the data folder and writing output folders (the data contract's edge)."""

from allocator.io.errors import InputError, InputProblem, OutputError
from allocator.io.read import read_data, write_data
from allocator.io.write import DATA_FILES, OUTPUT_FILES, atomic_folder, write_csv, write_json

__all__ = [
    "DATA_FILES",
    "OUTPUT_FILES",
    "InputError",
    "InputProblem",
    "OutputError",
    "atomic_folder",
    "read_data",
    "write_csv",
    "write_data",
    "write_json",
]
