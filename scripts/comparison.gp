# comparison.gp - baseline vs current per benchmark, as horizontal bars
# relative to the baseline median (baseline = 1), with confidence-interval
# error bars; the current bar is coloured by verdict (red regressed, green
# improved, blue unchanged, grey inconclusive) and labelled with it.
#
# Variables (gnuplot -e, set by kbench-report):
#   datafile   rows: row baseline base_low base_high current cur_low cur_high
#              colour "id" "verdict text"
#   outbase    output path without extension (.png and .svg)
#   nrows, height (pixels), plot_title, xlabel, threshold (relative)

set encoding utf8
set datafile missing "NaN"
set title plot_title noenhanced
set xlabel xlabel noenhanced
set key outside top center horizontal noenhanced
set border 1
set xtics nomirror
set ytics nomirror scale 0
set grid xtics lc rgb "#dddddd" lt 1
set yrange [0.4:nrows+0.6]
set xrange [0:*]
set offsets 0, graph 0.22, 0, 0
set style fill solid 0.85 noborder
set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "#444444"
if (threshold > 0) {
	set arrow 2 from 1+threshold, graph 0 to 1+threshold, graph 1 nohead dt 3 lc rgb "#d62728"
	set arrow 3 from 1-threshold, graph 0 to 1-threshold, graph 1 nohead dt 3 lc rgb "#2ca02c"
}

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo noenhanced size 1000,height font "sans,10"
	} else {
		set terminal svg noenhanced size 1000,height font "sans,11" background rgb "white"
	}
	set output outbase.".".fmt
	plot datafile using ($2/2):($1+0.18):($2/2):(0.15) with boxxyerror lc rgb "#b0b7bf" title "baseline (= 1)", \
		'' using ($5/2):($1-0.18):($5/2):(0.15):8 with boxxyerror lc rgb variable notitle, \
		'' using 2:($1+0.18):3:4:ytic(9) with xerrorbars pt -1 lc rgb "#333333" notitle, \
		'' using 5:($1-0.18):6:7 with xerrorbars pt -1 lc rgb "#000000" notitle, \
		'' using (($7 == $7 ? $7 : $5) + 0.02):($1-0.18):10:8 with labels left tc rgb variable font ",9" notitle, \
		keyentry with boxes fc rgb "#d62728" title "current: regressed", \
		keyentry with boxes fc rgb "#2ca02c" title "improved", \
		keyentry with boxes fc rgb "#1f77b4" title "unchanged", \
		keyentry with boxes fc rgb "#999999" title "other"
	unset output
}
