"""Routine text (plain or Markdown prose) → Routine. Pure: no audio, no files.

The passes, one module each, in the order they run:
1. `structure`: the text's blocks (headings, list items, paragraphs, table rows), each with its line;
2. `sentences`: each block cut into sentences;
3. `units`: one unit per sentence or list item, annotated with what the lexicon finds in it (times,
   counts, sides, breath phases) and what `grammar` says of it (an instruction or not, what it asks);
4. `steps`: units become steps. Sentences that only time, repeat or accompany the one before
   join it (`modifiers`); what is said once for many steps times them (`rules`); side directives
   copy the steps they name, mirrored (`sides`); "repeat steps 2-4", rounds and counted
   movements copy them again (`repeats`). `draft` holds the steps made so far.
"""

from voiceguide.parse.draft import DEFAULT_SECONDS
from voiceguide.parse.sentences import sentences
from voiceguide.parse.steps import parse_text
from voiceguide.parse.structure import blocks_of, clean_inline

__all__ = ["DEFAULT_SECONDS", "blocks_of", "clean_inline", "parse_text", "sentences"]
