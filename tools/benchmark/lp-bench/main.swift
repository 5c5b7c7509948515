print("lp-bench")
