# Sleeps with nanosleep(2) itself (sleep(1) uses clock_nanosleep): 1.5 s, then 0.25 s.
syscall(35, my $a = pack("qq", 1, 500000000), 0);
syscall(35, my $b = pack("qq", 0, 250000000), 0);
