# scaling.gp - throughput (or time) against problem size, one line per kernel
# of a family, log2 size axis, the machine peak as a dashed line.
#
# kbench-report writes the data file and sets, with gnuplot -e:
#   datafile   data: one block per series (index i-1), columns
#              size value value_low value_high median_ns
#   outbase    output path without extension (.png and .svg are written)
#   nseries    number of series; title_1 .. title_N their names
#   plot_title, xlabel, ylabel
#   peak       machine peak in the plot's unit (0: none), peak_label
#   logy       1 for a log y axis (values spanning more than 30x)
#   xformat    tic format of the size axis ("%.0f", or "%.0b%B" for 16Mi)

set encoding utf8
set datafile missing "NaN"
set key outside right top vertical Left reverse noenhanced
set grid xtics ytics mytics lc rgb "#dddddd" lt 1
set logscale x 2
set format x xformat
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set title plot_title noenhanced
set border 3
set tics nomirror
if (logy) {
	set logscale y 10
	set offsets graph 0.02, graph 0.02, 0, 0
} else {
	set yrange [0:*]
	set offsets graph 0.02, graph 0.02, graph 0.05, 0
}
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.9
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 0.9
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 1.1
set style line 4 lc rgb "#ff7f0e" lw 2 pt 11 ps 1.1
set style line 5 lc rgb "#9467bd" lw 2 pt 13 ps 1.1
set style line 6 lc rgb "#8c564b" lw 2 pt 3 ps 1.0
set style line 7 lc rgb "#e377c2" lw 2 pt 4 ps 1.0
set style line 8 lc rgb "#17becf" lw 2 pt 6 ps 1.0
set style increment user

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo noenhanced size 1000,560 font "sans,10"
	} else {
		set terminal svg noenhanced size 1000,560 font "sans,11" background rgb "white"
	}
	set output outbase.".".fmt
	plot for [i=1:nseries] datafile index (i-1) using 1:2:3:4 with yerrorlines ls ((i-1)%8+1) \
		title value(sprintf("title_%d", i)), \
		(peak > 0 ? peak : 1/0) with lines dt 2 lw 1.5 lc rgb "#444444" title peak_label
	unset output
}
