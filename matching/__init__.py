"""The ranker that matches needs to counselors and service centers.

A library: no Flask and no database models. The web and task layers turn rows into plain records
(`pool.CandidateRecord`, `pool.NeedQuery`) and call it. Files: `pool` (records → arrays), `candidates` (the
ladder and exclusions), `features` (feature functions and reasons), `scorer` (cold-start weights and the
learned scorer), `pipeline`, `ranker`, `metrics`, `training`, `persistence`, `geo` (county centroids).
"""
