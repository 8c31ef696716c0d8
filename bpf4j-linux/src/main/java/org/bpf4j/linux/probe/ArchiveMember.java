package org.bpf4j.linux.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.bpf4j.MalformedInputException;

/**
 * A file stored uncompressed in a ZIP archive, named {@code ARCHIVE.zip!/MEMBER} as libbpf and
 * bpftrace name it (an Android APK's native libraries): the kernel maps the member's bytes
 * straight from the archive, so a uprobe on it goes into the archive file, at the member's data
 * offset plus the place in the member. Immutable.
 *
 * @param archive the ZIP file
 * @param member the member's name in the archive
 * @param dataOffset where the member's bytes start in the archive
 * @param size the member's size
 */
public record ArchiveMember(Path archive, String member, long dataOffset, long size) {
    /** What separates the archive from the member in a name. */
    public static final String SEPARATOR = "!/";

    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_OF_DIRECTORY = 0x06054b50;

    /** Whether a name is {@code ARCHIVE!/MEMBER}. */
    public static boolean isArchivePath(String name) {
        return name.contains(SEPARATOR);
    }

    /**
     * The member a name {@code ARCHIVE!/MEMBER} refers to; empty if the name is not of that form.
     *
     * @throws MalformedInputException if the archive cannot be read, has no such member, or keeps
     *     it compressed (the kernel could not map it)
     */
    public static Optional<ArchiveMember> of(String name) {
        int sep = name.indexOf(SEPARATOR);
        if (sep < 0) {
            return Optional.empty();
        }
        Path archive = Path.of(name.substring(0, sep)).toAbsolutePath().normalize();
        String member = name.substring(sep + SEPARATOR.length());
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            return Optional.of(find(ch, archive, member));
        } catch (IOException e) {
            throw new MalformedInputException(archive + ": cannot read: " + e.getMessage());
        }
    }

    /** The member's bytes. */
    public byte[] read() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new MalformedInputException(this + ": too large");
        }
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b, dataOffset + b.position()) > 0) {
                // read on
            }
            if (b.hasRemaining()) {
                throw new MalformedInputException(this + ": the archive ends inside the member");
            }
            return b.array();
        } catch (IOException e) {
            throw new MalformedInputException(archive + ": cannot read: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return archive + SEPARATOR + member;
    }

    private static ArchiveMember find(FileChannel ch, Path archive, String member) throws IOException {
        long length = ch.size();
        // the end-of-central-directory record: 22 bytes, then a comment of up to 65535 bytes
        int tail = (int) Math.min(length, 22 + 65535);
        ByteBuffer end = read(ch, length - tail, tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (end.getInt(i) == END_OF_DIRECTORY) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new MalformedInputException(archive + ": not a ZIP archive (no end of central directory)");
        }
        int entries = Short.toUnsignedInt(end.getShort(eocd + 10));
        long dirSize = Integer.toUnsignedLong(end.getInt(eocd + 12));
        long dirOffset = Integer.toUnsignedLong(end.getInt(eocd + 16));
        if (dirOffset + dirSize > length || dirSize > Integer.MAX_VALUE) {
            throw new MalformedInputException(archive + ": central directory outside the file");
        }
        ByteBuffer dir = read(ch, dirOffset, (int) dirSize);
        int at = 0;
        for (int e = 0; e < entries; e++) {
            if (at + 46 > dir.limit() || dir.getInt(at) != CENTRAL_HEADER) {
                throw new MalformedInputException(archive + ": damaged central directory entry " + e);
            }
            int method = Short.toUnsignedInt(dir.getShort(at + 10));
            long compressed = Integer.toUnsignedLong(dir.getInt(at + 20));
            int nameLength = Short.toUnsignedInt(dir.getShort(at + 28));
            int extra = Short.toUnsignedInt(dir.getShort(at + 30));
            int comment = Short.toUnsignedInt(dir.getShort(at + 32));
            long local = Integer.toUnsignedLong(dir.getInt(at + 42));
            if (at + 46 + nameLength > dir.limit()) {
                throw new MalformedInputException(archive + ": damaged central directory entry " + e);
            }
            byte[] n = new byte[nameLength];
            dir.get(at + 46, n);
            if (new String(n, StandardCharsets.UTF_8).equals(member)) {
                if (method != 0) {
                    throw new MalformedInputException(archive + SEPARATOR + member + ": compressed (method " + method
                            + "); only a stored member can be probed");
                }
                ByteBuffer header = read(ch, local, 30);
                if (header.getInt(0) != LOCAL_HEADER) {
                    throw new MalformedInputException(archive + SEPARATOR + member + ": damaged local header");
                }
                long data = local + 30 + Short.toUnsignedInt(header.getShort(26))
                        + Short.toUnsignedInt(header.getShort(28));
                if (data + compressed > length) {
                    throw new MalformedInputException(archive + SEPARATOR + member + ": outside the archive");
                }
                return new ArchiveMember(archive, member, data, compressed);
            }
            at += 46 + nameLength + extra + comment;
        }
        throw new MalformedInputException(archive + ": no member '" + member + "'");
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
            // read on
        }
        if (b.hasRemaining()) {
            throw new IOException("unexpected end of file");
        }
        return b.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Whether the archive file of a name {@code ARCHIVE!/MEMBER} is a regular file. */
    static boolean archiveExists(String name) {
        int sep = name.indexOf(SEPARATOR);
        return sep > 0 && Files.isRegularFile(Path.of(name.substring(0, sep)));
    }
}
