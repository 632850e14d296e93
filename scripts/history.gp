# history.gp - a benchmark's median over runs with its confidence interval,
# the fitted levels between change points, and the change points marked
# with their step.
#
# Variables (gnuplot -e, set by kbench-history):
#   datafile   rows: idx median low high level changepoint "label" "step"
#   outbase    output path without extension (.png and .svg)
#   npoints, tic_step (label every n-th run), plot_title, ylabel

set encoding utf8
set datafile missing "NaN"
set title plot_title noenhanced
set ylabel ylabel noenhanced
set xlabel "run (git revision), oldest first" noenhanced
set key outside top center horizontal noenhanced
set border 3
set tics nomirror
set xtics rotate by -45 noenhanced
set xrange [0.5:npoints+0.5]
set grid ytics lc rgb "#dddddd" lt 1
set offsets 0, 0, graph 0.12, graph 0.05

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo noenhanced size 1000,520 font "sans,10"
	} else {
		set terminal svg noenhanced size 1000,520 font "sans,11" background rgb "white"
	}
	set output outbase.".".fmt
	plot datafile using 1:2:3:4:xticlabels(int($1-1) % tic_step == 0 ? stringcolumn(7) : "") \
			with yerrorbars pt 7 ps 0.8 lc rgb "#1f77b4" title "median, 95% CI", \
		'' using ($1-0.5):5:(1):(0) with vectors nohead lw 2 lc rgb "#2ca02c" title "fitted level", \
		'' using 1:($6 > 0 ? $4 : 1/0) with points pt 11 ps 2 lc rgb "#d62728" title "change point", \
		'' using 1:($6 > 0 ? $4 : 1/0):8 with labels offset 0,1.4 tc rgb "#d62728" notitle
	unset output
}
