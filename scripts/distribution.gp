# distribution.gp - the samples of one or more benchmarks: a box (quartiles,
# median, Tukey whiskers to the last sample within 1.5 IQR) over a
# jittered strip of every sample; outliers are kept and coloured (orange
# beyond 1.5 IQR, red beyond 3 IQR).  Values are each benchmark's
# deviation from its own median, in percent (the median is in the label),
# so spreads of kernels far apart in speed compare on one axis.
#
# Variables (gnuplot -e, set by kbench-report):
#   datafile   block 0: k q1 whisker_low whisker_high q3 median median_ns "label"
#              block 1: x value class (0 inside, 1 mild, 2 severe) sample_ns
#   outbase    output path without extension (.png and .svg)
#   nboxes, width (pixels), plot_title, ylabel

set encoding utf8
set datafile missing "NaN"
set title plot_title noenhanced
set ylabel ylabel noenhanced
set key outside top center horizontal noenhanced
set border 3
set tics nomirror
set xtics rotate by -20 noenhanced
set xrange [0.4:nboxes+0.6]
set grid ytics lc rgb "#dddddd" lt 1
set ytics format "%+g"
set offsets 0, 0, graph 0.05, graph 0.05
set boxwidth 0.5

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo noenhanced size width,520 font "sans,10"
	} else {
		set terminal svg noenhanced size width,520 font "sans,11" background rgb "white"
	}
	set output outbase.".".fmt
	plot datafile index 0 using 1:2:3:4:5:xticlabels(8) with candlesticks whiskerbars 0.5 \
			fs empty lc rgb "#1f77b4" lw 1.5 title "quartiles, whiskers at 1.5 IQR", \
		'' index 0 using 1:6:6:6:6 with candlesticks lc rgb "#1f77b4" lw 3 title "median", \
		'' index 1 using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 0.35 lc rgb "#7f7f7f" title "samples", \
		'' index 1 using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 0.7 lc rgb "#ff7f0e" title "mild outliers (> 1.5 IQR)", \
		'' index 1 using 1:($3 == 2 ? $2 : 1/0) with points pt 7 ps 0.7 lc rgb "#d62728" title "severe outliers (> 3 IQR)"
	unset output
}
