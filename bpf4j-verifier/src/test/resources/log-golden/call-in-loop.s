mov %r6, 0
stdw [%r10-16], 0
loop:
mov %r1, %r10
add %r1, -16
call local f
add %r6, 1
jlt %r6, 3, loop
ldxdw %r0, [%r10-16]
exit
f:
ldxdw %r2, [%r1+0]
add %r2, 1
stxdw [%r1+0], %r2
mov %r0, 0
exit
