# Fibonacci numbers with a bounded loop: r0 = fib(90), the largest that fits in 64 bits
# after fib(92) would overflow signed arithmetic in some languages (not here: eBPF wraps).
mov %r1, 90
mov %r2, 0        # fib(i)
mov %r3, 1        # fib(i+1)
loop:
jeq %r1, 0, done
mov %r4, %r2
add %r4, %r3
mov %r2, %r3
mov %r3, %r4
sub %r1, 1
ja loop
done:
mov %r0, %r2
exit
