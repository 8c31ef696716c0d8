mov %r0, 0
stdw [%r10-8], 1
call 7
mov %r6, %r0
ldxdw %r1, [%r10-8]
jeq %r6, 1, out
mov %r0, 1
add %r1, %r6
out:
exit
