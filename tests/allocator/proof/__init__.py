"""Tests of the proof stage's pure parts: floors, the relaxation, the loop."""
