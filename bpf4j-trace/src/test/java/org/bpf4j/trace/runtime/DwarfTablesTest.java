package org.bpf4j.trace.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The entry stop of dw_ustack's -c command is removed however the run ends. */
class DwarfTablesTest {
    private static final Backend.MapStore NONE = Backend.MapStore.of(List::of, k -> Optional.empty(), k -> { },
            (k, v) -> { });

    @Test
    void anEntryStopNotReachedInTimeIsRemovedWhenTheTablesClose() {
        DwarfTables tables = new DwarfTables(NONE, NONE);
        AtomicInteger closed = new AtomicInteger();
        // this JVM runs and is never stopped: the wait ends at its deadline with the stop still armed
        tables.awaitEntry((int) ProcessHandle.current().pid(), closed::incrementAndGet, 1_000_000L);
        assertEquals(0, closed.get());
        tables.close();
        assertEquals(1, closed.get());
        tables.close();
        assertEquals(1, closed.get());
    }

    @Test
    void anEntryStopOfAProcessThatIsGoneIsRemovedAtOnce() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        DwarfTables tables = new DwarfTables(NONE, NONE);
        AtomicInteger closed = new AtomicInteger();
        tables.awaitEntry((int) p.pid(), closed::incrementAndGet, 1_000_000_000L);
        assertEquals(1, closed.get());
        tables.close();
        assertEquals(1, closed.get());
    }
}
