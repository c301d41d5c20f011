# gnuplot -c docs/perf/latency.gp  (from the repository root): docs/perf/latency.png
set terminal pngcairo size 1100,520 font ",10"
set output 'docs/perf/latency.png'
set title "Latency per scenario under wrk (p50 and p99, ms, log scale) - 2 cores, loopback"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [1:1000]
set ylabel "ms"
set xtics rotate by -30 scale 0
set key top left
plot 'docs/perf/latency.dat' using 2:xtic(1) title "p50", '' using 3 title "p99"
