/**
 * JMH benchmarks. Build the runnable jar with {@code ./mvnw -B -DskipTests package -pl bpf4j-bench -am}
 * and run it with {@code java -jar bpf4j-bench/target/benchmarks.jar}; each class's javadoc gives
 * its exact command.
 */
package org.bpf4j.bench;
