"""The Sutskever-30 course kit's engine: checks, references, release and grading.

It ships to learners too (in the student edition), so it never holds an answer.
"""

__version__ = "0.1.0"
