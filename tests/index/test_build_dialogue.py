"""A story's dialogue is indexed for BM25 with the names its neighbouring passages use (qa/index/build.py,
qa/ingest/dialogue.py); the text shown is the passage's own."""

from __future__ import annotations

YARD = " ".join(f"The yard behind the house had a fence of {n} posts and a gate that would not shut." for n in range(6))
STORY = f"""# Chapter Ten

{YARD}

Beale walked into the yard where the hens stood about in the sun. Ukridge followed him, and then Garnet, who
watched Beale lift one bird after another and look at it closely.

“The ’ole thing ’ere,” said the Hired Retainer, “is these ’ere fowls have been and got the roop.”

“Is that what makes them yawn like that?” asked the lady of the house.

“That’s it, mum. Very catching it is, the roop. I seen a whole yard of them go that way.”

“And what did the people do about it?”

“Sent for the man from the county, mum, and he painted their throats with something out of a bottle.”

Nobody answered him. The wind went round to the east in the afternoon, and the rain came over the hill before
dark, so that the whole yard was under water by the time the lamps were lit in the kitchen. {YARD}
"""


def test_dialogue_is_found_by_the_names_its_neighbours_use(hash_engine) -> None:  # type: ignore[no-untyped-def]
    engine = hash_engine({"story.md": STORY})
    chunks = list(engine.index.chunks)
    speech = [i for i, chunk in enumerate(chunks) if "got the roop" in chunk.text]
    assert len(speech) == 1 and "Beale" not in chunks[speech[0]].text  # the Hired Retainer is not named Beale here
    assert speech[0] in [chunk for chunk, _ in engine.index.bm25.search("Beale", 10)]  # a name of the passage before
    assert speech[0] == engine.index.bm25.search("Beale roop", 1)[0][0]
    assert speech[0] in [chunk for chunk, _ in engine.index.bm25.search("What illness did Beale say fowls had?", 2)]
    # narration borrows no names: only passages saying "Garnet", and the dialogue beside one, are found by it
    found = [chunk for chunk, _ in engine.index.bm25.search("Garnet", 10)]
    assert speech[0] in found and all("Garnet" in chunks[c].text for c in found if c != speech[0])
