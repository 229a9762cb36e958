package dev.dpf.jobs.extract;

import java.nio.file.Path;

/**
 * What the command line says of every table's extract.
 *
 * @param out the raw root written into
 * @param watermark the last-modified column, if any
 * @param timestampColumn the name of the DMS timestamp column written
 * @param rowsPerPartition rows each Spark read partition takes
 * @param maxPartitions the most partitions a table is read in
 * @param sparkUrl the JDBC URL Spark reads with
 */
record ExtractSettings(
    Path out,
    String watermark,
    String timestampColumn,
    long rowsPerPartition,
    int maxPartitions,
    String sparkUrl) {}
