"""Lessons: three guided experiments, one per NAS failure mode, with the numbers their text states.

Nothing here touches Streamlit. The pages in `nasdiag/ui/lessons/` show what these modules
compute from the bundled experiments in `data/lessons/` or from a learner's rerun.
"""
