"""Typos in askers' words: a word the answer base does not know is read as the known word
nearest to it by letter trigrams («отпусные» → «отпускные», «неиспользованый» →
«неиспользованный»), if one is near enough and begins with the same letter (typos rarely hit
the first one; «ходит» is not «входит»)."""

from collections import defaultdict
from functools import lru_cache

MIN_SIMILARITY = 0.5
"""Jaccard similarity of trigram sets below which a word stays unknown."""
MIN_LENGTH = 5
"""Shorter words are not corrected: too many short words are a letter apart."""


@lru_cache(maxsize=100_000)
def trigrams(word: str) -> frozenset[str]:
    padded = f"<{word}>"
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


class Speller:
    def __init__(self, known: set[str]) -> None:
        self._known = frozenset(w for w in known if len(w) >= MIN_LENGTH)
        self._by_trigram: dict[str, list[str]] = defaultdict(list)
        for word in self._known:
            for gram in trigrams(word):
                self._by_trigram[gram].append(word)

    def nearest(self, word: str) -> str | None:
        """The known word this one most likely means, or None."""
        if len(word) < MIN_LENGTH:
            return None
        grams = trigrams(word)
        shared: dict[str, int] = defaultdict(int)
        for gram in grams:
            for known in self._by_trigram.get(gram, ()):
                shared[known] += 1
        best, best_similarity = None, MIN_SIMILARITY
        for known, count in shared.items():
            similarity = count / (len(grams) + len(trigrams(known)) - count)
            if similarity >= best_similarity and abs(len(known) - len(word)) <= 2 and known[0] == word[0]:
                best, best_similarity = known, similarity
        return best
