# Cost per item against N (docs/perf/scale.sh): heap bytes per item for Synod, used_memory per
# item for Redis; log-scaled N. Flat lines are the aim.
set terminal pngcairo size 900,520 font ",10"
set output "docs/perf/scale.png"
set title "Memory per item against N (payload 64 B)"
set xlabel "items N"
set ylabel "bytes per item"
set logscale x
set grid
set key outside right
set datafile separator "\t"
plot synod using (strcol(1) eq "locks" ? $2 : 1/0):3 skip 1 with linespoints title "Synod lock (per replica)", \
     synod using (strcol(1) eq "messages" ? $2 : 1/0):3 skip 1 with linespoints title "Synod queued message", \
     synod using (strcol(1) eq "lines" ? $2 : 1/0):3 skip 1 with linespoints title "Synod cache line", \
     redis using (strcol(1) eq "messages" ? $2 : 1/0):3 skip 1 with linespoints dt 2 title "Redis stream entry", \
     redis using (strcol(1) eq "lines" ? $2 : 1/0):3 skip 1 with linespoints dt 2 title "Redis string key"
