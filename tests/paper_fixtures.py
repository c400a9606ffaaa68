"""A paper's results section with two numbered tables and prose naming them, for the tests of numbered labels,
table cells and the reader (tests/search)."""

PAPER = """# Results

We compare training schemes for the dense retriever. Training with gold passages gives the best accuracy, and
distant supervision, which takes the top BM25 passage holding the answer, loses about one point of accuracy.
Table 3 reports every training scheme we tried, and Table 5 the effect of the supervision.

| Scheme | Top-1 | Top-5 | Top-20 |
| Random negatives | 31.2 | 50.1 | 66.8 |
| BM25 negatives | 38.6 | 58.2 | 72.5 |
| Gold negatives | 40.1 | 60.3 | 74.9 |

Table 3: Retrieval accuracy of the training schemes with random, BM25 and gold negatives, measured on the development set.

| Supervision | Top-1 | Top-5 | Top-20 |
| Gold | 44.9 | 66.8 | 78.1 |
| Dist. Sup. | 43.9 | 65.3 | 77.1 |

Table 5: Retrieval accuracy when trained on passages matching the gold context or on the top BM25 passage (Dist. Sup.).

The retriever generalizes well across datasets, and the distantly supervised model is almost as accurate as the
model trained on gold passages, with a top-1 retrieval accuracy about one point lower.
"""
