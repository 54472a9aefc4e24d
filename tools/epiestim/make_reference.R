# Reference values for phongdich.situation.rt, computed by the real EpiEstim.
#
#   Rscript tools/epiestim/make_reference.R [OUTPUT_DIR]
#
# (default OUTPUT_DIR: src/phongdich/situation/tests/data). Debian: apt-get install r-base-core
# r-cran-epiestim. For every case it writes
#   epiestim_<case>_incidence.csv   date,local,imported  (the input exactly as given to estimate_R;
#                                   EpiEstim itself moves day 1's local cases to imported)
#   epiestim_<case>_si_distr.csv    one probability per line from day 0 (the SI that estimate_R used;
#                                   for parametric_si, the discretised one EpiEstim returns)
#   epiestim_<case>.csv             estimate_R's R table: t_start,t_end,Mean(R),Std(R),quantiles
# and a manifest (cases.csv) of the settings. Numbers have 17 significant digits; NA stays NA.
# Data sets without dates get consecutive dates from 2000-01-01 (EpiEstim ignores dates).

suppressPackageStartupMessages(library(EpiEstim))

args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[1] else "src/phongdich/situation/tests/data"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

write_lines <- function(lines, name) {
  writeLines(lines, file.path(out_dir, name), useBytes = TRUE)
}

manifest <- character()

run_case <- function(case, dates, local, imported, method, si_distr = NULL, mean_si = NULL,
                     std_si = NULL, window = 7, mean_prior = 5, std_prior = 5) {
  T <- length(local)
  incid <- data.frame(local = local, imported = imported)
  t_start <- seq(2, T - window + 1)
  t_end <- t_start + window - 1
  config <- if (method == "parametric_si") {
    make_config(list(mean_si = mean_si, std_si = std_si, t_start = t_start, t_end = t_end,
                     mean_prior = mean_prior, std_prior = std_prior))
  } else {
    make_config(list(si_distr = si_distr, t_start = t_start, t_end = t_end,
                     mean_prior = mean_prior, std_prior = std_prior))
  }
  res <- suppressWarnings(estimate_R(incid, method = method, config = config))

  write_lines(c("date,local,imported",
                paste(format(dates, "%Y-%m-%d"), num(local), num(imported), sep = ",")),
              paste0("epiestim_", case, "_incidence.csv"))
  write_lines(num(as.numeric(res$si_distr)), paste0("epiestim_", case, "_si_distr.csv"))
  table <- res$R
  lines <- paste(names(table), collapse = ",")
  for (i in seq_len(nrow(table))) {
    lines <- c(lines, paste(num(unlist(table[i, ])), collapse = ","))
  }
  write_lines(lines, paste0("epiestim_", case, ".csv"))
  manifest <<- c(manifest, paste(case, method, num(if (is.null(mean_si)) NA else mean_si),
                                 num(if (is.null(std_si)) NA else std_si), window,
                                 num(mean_prior), num(std_prior), sep = ","))
}

undated <- function(n) as.Date("2000-01-01") + seq(0, n - 1)

data(Flu2009)
flu_dates <- Flu2009$incidence$dates
flu_i <- Flu2009$incidence$I
flu_zero <- rep(0, length(flu_i))
# EpiEstim's vignette: non-parametric SI from the 2009 outbreak, and a parametric SI (2.6, 1.5).
run_case("flu2009_non_parametric_si", flu_dates, flu_i, flu_zero, "non_parametric_si",
         si_distr = Flu2009$si_distr)
run_case("flu2009_parametric_si", flu_dates, flu_i, flu_zero, "parametric_si",
         mean_si = 2.6, std_si = 1.5)
run_case("flu2009_non_parametric_si_window14", flu_dates, flu_i, flu_zero, "non_parametric_si",
         si_distr = Flu2009$si_distr, window = 14)
run_case("flu2009_non_parametric_si_prior2_1", flu_dates, flu_i, flu_zero, "non_parametric_si",
         si_distr = Flu2009$si_distr, mean_prior = 2, std_prior = 1)

for (name in c("Flu1918", "SARS2003", "Measles1861", "Smallpox1972")) {
  env <- new.env()
  data(list = name, envir = env)
  d <- get(name, envir = env)
  n <- length(d$incidence)
  run_case(paste0(tolower(name), "_non_parametric_si"), undated(n), as.numeric(d$incidence),
           rep(0, n), "non_parametric_si", si_distr = d$si_distr)
}

# Local and imported cases: EpiEstim's MERS data (parametric SI as shipped with it).
data(mers_2014_15)
mers <- mers_2014_15$incidence
run_case("mers_2014_15_parametric_si", mers[[1]], mers$local, mers$imported, "parametric_si",
         mean_si = mers_2014_15$si$mean_si, std_si = mers_2014_15$si$std_si)

# A made-up series with imports throughout and local cases on day 1 (EpiEstim moves them).
made_local <- c(2, 0, 1, 1, 3, 2, 4, 6, 5, 8, 7, 11, 9, 14, 12, 10, 9, 13, 8, 7, 6, 5, 4, 6, 3)
made_imported <- c(3, 1, 0, 2, 0, 0, 1, 0, 3, 0, 0, 2, 0, 0, 0, 1, 0, 0, 4, 0, 0, 0, 1, 0, 0)
run_case("imported_made_up_non_parametric_si", undated(length(made_local)), made_local,
         made_imported, "non_parametric_si", si_distr = Flu2009$si_distr)

# The examples of EpiEstim's help pages for discr_si and overall_infectivity.
write_lines(num(discr_si(seq(0, 20), 2.6, 1.5)), "epiestim_discr_si_2.6_1.5_0_20.csv")
write_lines(num(suppressWarnings(overall_infectivity(Flu2009$incidence, Flu2009$si_distr))),
            "epiestim_flu2009_overall_infectivity.csv")

write_lines(c("case,method,mean_si,std_si,window,mean_prior,std_prior", manifest), "cases.csv")
write_lines(c(
  "Reference values for phongdich.situation.rt, generated by tools/epiestim/make_reference.R.",
  paste0("EpiEstim ", as.character(packageVersion("EpiEstim")), " (Debian package r-cran-epiestim), ",
         R.version.string, "."),
  "Data sets: EpiEstim's own Flu2009, Flu1918, SARS2003, Measles1861, Smallpox1972, mers_2014_15,",
  "plus one made-up series with imported cases. Series without dates got dates from 2000-01-01.",
  "Files per case: epiestim_<case>_incidence.csv (input), epiestim_<case>_si_distr.csv (SI used),",
  "epiestim_<case>.csv (estimate_R's R table, 17 significant digits); cases.csv lists the settings.",
  "epiestim_discr_si_2.6_1.5_0_20.csv: discr_si(0:20, 2.6, 1.5); epiestim_flu2009_overall_infectivity.csv:",
  "overall_infectivity(Flu2009$incidence, Flu2009$si_distr) (day 1 is NA)."
), "README.txt")
