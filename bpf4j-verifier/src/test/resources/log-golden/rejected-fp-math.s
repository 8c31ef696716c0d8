mov %r0, 0
call 7
mov %r6, %r0
jeq %r6, 1, out
mov %r1, %r10
add %r1, %r6
ldxb %r0, [%r1+0]
out:
exit
