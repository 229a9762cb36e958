package dev.dpf.jobs.glue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which catalog a job's session uses: Glue's Data Catalog only when the job asks for it. */
class JobMainTest {
  @Test
  void glueSDataCatalogOnlyWhenTheJobArgumentTurnsItOn() {
    assertThat(JobMain.glueCatalog(new String[] {"--lake", "s3://b/l"})).isFalse();
    assertThat(JobMain.glueCatalog(new String[] {"--enable-glue-datacatalog", "true"})).isTrue();
    assertThat(JobMain.glueCatalog(new String[] {"--enable-glue-datacatalog", "TRUE", "--x", "1"}))
        .isTrue();
    assertThat(JobMain.glueCatalog(new String[] {"--enable-glue-datacatalog"})).isTrue();
    assertThat(JobMain.glueCatalog(new String[] {"--enable-glue-datacatalog", "--lake", "l"}))
        .isTrue();
    assertThat(JobMain.glueCatalog(new String[] {"--enable-glue-datacatalog", "false"})).isFalse();
  }
}
