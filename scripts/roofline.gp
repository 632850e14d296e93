# roofline.gp - the roofline model (Williams, Waterman and Patterson 2009):
# GFLOP/s against arithmetic intensity (FLOP per byte), log-log; a
# horizontal compute roof per FLOP/s peak, a slanted memory roof per
# bandwidth peak (GB/s x FLOP/byte = GFLOP/s, up to the highest compute
# roof), one point per benchmark with its interval, one colour per suite.
#
# kbench-report writes the data file and sets, with gnuplot -e:
#   datafile   data: one block per suite (index i-1), columns
#              ai gflops gflops_low gflops_high "id"
#   outbase    output path without extension (.png and .svg are written)
#   nblocks    number of suites; title_1 .. title_N their names
#   ncomp      compute roofs comp_1 .. comp_N (GFLOP/s), comp_label_i
#   nmem       memory roofs mem_1 .. mem_N (GB/s), mem_label_i
#   roof_top   the highest compute roof (or point) in GFLOP/s
#   xmin, xmax the intensity axis range; plot_title

set encoding utf8
set datafile missing "NaN"
set key outside right top vertical Left reverse noenhanced
set grid xtics ytics mxtics mytics lc rgb "#dddddd" lt 1
set logscale xy 10
set xrange [xmin:xmax]
set format x "%g"
set format y "%g"
set xlabel "arithmetic intensity (FLOP/byte)"
set ylabel "GFLOP/s, higher is better"
set title plot_title noenhanced
set border 3
set tics nomirror
set samples 1000
min(a, b) = a < b ? a : b
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.0
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 1.0
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 1.2
set style line 4 lc rgb "#ff7f0e" lw 2 pt 11 ps 1.2
set style line 5 lc rgb "#9467bd" lw 2 pt 13 ps 1.2
set style line 6 lc rgb "#8c564b" lw 2 pt 3 ps 1.0
array roofc[6] = ["#444444", "#7f7f7f", "#17becf", "#bcbd22", "#e377c2", "#8c564b"]

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo noenhanced size 1000,600 font "sans,10"
	} else {
		set terminal svg noenhanced size 1000,600 font "sans,11" background rgb "white"
	}
	set output outbase.".".fmt
	plot for [i=1:nmem] min(value(sprintf("mem_%d", i)) * x, roof_top) with lines dt 2 lw 1.5 \
		lc rgb roofc[(i-1)%6+1] title value(sprintf("mem_label_%d", i)), \
	     for [i=1:ncomp] value(sprintf("comp_%d", i)) + 0 * x with lines lw 2 \
		lc rgb roofc[(i-1)%6+1] title value(sprintf("comp_label_%d", i)), \
	     for [i=1:nblocks] datafile index (i-1) using 1:2:3:4 with yerrorbars ls ((i-1)%6+1) \
		title value(sprintf("title_%d", i))
	unset output
}
