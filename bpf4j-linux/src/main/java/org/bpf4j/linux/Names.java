package org.bpf4j.linux;

/** Kernel object names: at most 15 characters of {@code [A-Za-z0-9_.]}, as {@code bpf_obj_name_cpy} accepts. */
final class Names {
    /** {@code BPF_OBJ_NAME_LEN - 1}. */
    static final int MAX = 15;

    private Names() {
    }

    /** The name with other characters replaced by {@code _}, cut to 15 characters. */
    static String object(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < MAX; i++) {
            char c = name.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return b.toString();
    }

    /** The name of a global data map: a prefix of the object's name and the section, as libbpf forms it. */
    static String globalData(String objectName, String section) {
        String base = objectName.endsWith(".o") ? objectName.substring(0, objectName.length() - 2) : objectName;
        int room = Math.max(0, Math.min(8, MAX - section.length()));
        return object(base.substring(0, Math.min(base.length(), room)) + section);
    }
}
