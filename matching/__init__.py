"""The ranker that matches needs to counselors and service centers.

A library: no Flask and no database models. The web and task layers turn rows into plain records and call
it. Its features, pipeline and persistence arrive with the matching issue.
"""
