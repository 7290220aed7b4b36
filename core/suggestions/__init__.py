"""Partner suggestions: rank foreign cities for an Indonesian region by explainable factors.

``features`` turns a city's data into numbers, ``index`` holds every city and twinning link in
arrays (built once per process, rebuilt when the data change), ``scoring`` scores all candidates
at once and explains the best ones in Indonesian and English.
"""
